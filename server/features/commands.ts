// The workspace/executeCommand commands the server performs itself, with their argument shapes.
// Any editor can run them with all arguments; the VS Code client asks the user for missing values
// first (docs/lsp.md). Arguments never need to carry a secret value: a credential being moved out
// of the source is read by the server from the document at the given range.
import type { Range, WorkspaceEdit } from 'vscode-languageserver-types';

export const DEFINE_SECRET = 'capsule.defineSecret';
export const STORE_CREDENTIAL = 'capsule.storeCredential';
export const CREATE_CHANNEL = 'capsule.createChannel';
export const REFRESH = 'capsule.refresh';

export const SERVER_COMMANDS = [DEFINE_SECRET, STORE_CREDENTIAL, CREATE_CHANNEL, REFRESH];

/** A text span of an open document (its version when the command was made). */
export interface SourceSpan {
  uri: string;
  range: Range;
  version?: number;
}

export interface DefineSecretArgs {
  /** URI of the workspace folder whose store (and .env) to change. */
  folder: string;
  name: string;
  /** The value. Required for the store; for `.env` it may be left out (`NAME=` is added and opened). */
  value?: string;
  /** `env`: write `NAME=value` to `.env` instead of the store (default `store`). */
  target?: 'store' | 'env';
}

export interface StoreCredentialArgs {
  folder: string;
  name: string;
  /** The value; when absent it is read from `source` (the literal being replaced). */
  value?: string;
  source?: SourceSpan;
  /** The source change to apply (through workspace/applyEdit) once the value is stored. */
  edit?: WorkspaceEdit;
}

export type CredentialSource = { value: string } | { secret: string } | { source: SourceSpan };

export interface CreateChannelArgs {
  folder: string;
  name: string;
  /** telegram | slack | whatsapp */
  type: string;
  /** By credential key: a value, a secret name to copy the value from, or a literal in the source. */
  credentials?: Record<string, CredentialSource>;
  edit?: WorkspaceEdit;
}

export interface CommandResult {
  ok: boolean;
  message: string;
  /** Credential keys or values still needed (the client can ask for them and run the command again). */
  missing?: string[];
}
