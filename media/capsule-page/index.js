// @capsule/page in Capsule Local: the module a React page imports (the import map of the page's
// shell, emulator/pages/react.ts). Its API is the d.ts the SDK generates (cpsl/typestubs.py).
// What is not provided here throws an error saying so when used; nothing is a silent no-op.
export { useData, useEndpoint, useCollection, useAction } from './data.js';
export { useChat, useSession } from './chat.js';
export { useCapsule, navigate, useNavigate, usePages, pageRoute, pageHref, completeOnboarding, useOnboarding, fileUrl, useFileUrl } from './nav.js';
export { useTheme, withAlpha, mix, css } from './theme.js';
export {
  Layout, Shell, Pane, Header, Badge, SectionHeader, Metric, DataTable, FieldInspector, MessageList,
  Composer, ChatPanel, ConversationList, NavItem, Button, Card, Row, EmptyState, Spinner, Tabs,
  Avatar, FileLink, styled,
} from './components.js';
