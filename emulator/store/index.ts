// The store's public surface. Other modules import from here, not from the files behind it.
export * from './schema';
export { dict, toDicts, type Dict } from './dict';
export { Store, readStoreSync, type StoreOptions } from './store';
export { historyUnread, type HistoryOutline } from './app-tables';
export { loadStore, loadStoreSync, type Loaded } from './load';
export { StoreError, type StoreErrorCode } from './errors';
export { storePaths, DEFAULT_STORE_DIR, type StorePaths } from './paths';
export { readNames, type StoreNames } from './read-names';
export { pushEvent, capEvents, DEFAULT_EVENT_CAP, type NewEvent } from './events';
export { migrate, migrations, type Migration } from './migrate';
export {
  SECRET_NAME,
  CHANNEL_NAME,
  isValidSecretName,
  suggestSecretName,
  secretNameProblem,
  suggestChannelName,
  channelNameProblem,
} from './names';
export {
  namedChannelTypes,
  channelWebhookPath,
  channelProblems,
  newChannel,
  isSecretCredential,
  maskCredential,
  webhookAuthKey,
  webhookAuthKeyOf,
  type ChannelInput,
  type NamedChannelType,
} from './channels';
export { SecretResolver, DotenvFile, missingSecretMessage, type SecretSource, type SecretResolution } from './secret-resolver';
export {
  buildExport,
  parseExport,
  applyImport,
  applyReset,
  EXPORT_FORMAT,
  type StoreExport,
  type ImportMode,
  type ImportReport,
  type ResetReport,
} from './transfer';
export { writeFileAtomic, ensureStoreDir } from './atomic-file';
