// Starts the bundled language server (dist/server.js over node IPC) for Python files. Its quick
// fixes that change the local store run as `workspace/executeCommand` on the server; the
// middleware below first asks the user for what only the user knows (a secret's value without
// echo, a channel's type and credentials) and forwards the command with those added.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { askChannel, askSecretName, askSecretValue } from './storeCommands';

/** Commands the server handles whose arguments the client completes first. */
type Completer = (args: unknown[]) => Promise<unknown[] | undefined>;

function firstObject(args: unknown[]): Record<string, unknown> {
  const a = args[0];
  return a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * Argument shapes are the server's (server/features/commands.ts, docs/lsp.md):
 *   capsule.defineSecret   { folder, name, value?, target?: 'store' | 'env' }
 *   capsule.storeCredential { folder, name, source?, edit? }  (the server reads the value itself)
 *   capsule.createChannel  { folder, name, type, credentials?: { key: {value}|{secret}|{source} }, edit? }
 */
export const completers: Record<string, Completer> = {
  // Define a missing secret in the store: ask its value in a password box. For `target: 'env'` the
  // server only adds `NAME=` to .env and opens it, so there is nothing to ask.
  'capsule.defineSecret': async (args) => {
    const a = firstObject(args);
    if (a.target === 'env' || typeof a.value === 'string') return args;
    const name = str(a.name) ?? (await askSecretName());
    if (!name) return undefined;
    const value = await askSecretValue(name);
    if (value === undefined) return undefined;
    return [{ ...a, name, value }, ...args.slice(1)];
  },
  // Create a named channel: ask the type if missing, then every credential key the quick fix could
  // not take from the source (secret keys without echo). Values travel as { value }.
  'capsule.createChannel': async (args) => {
    const a = firstObject(args);
    const given = (a.credentials && typeof a.credentials === 'object' ? a.credentials : {}) as Record<string, unknown>;
    const answer = await askChannel({ name: str(a.name), type: str(a.type), credentials: Object.fromEntries(Object.keys(given).map((k) => [k, 'given'])) });
    if (!answer) return undefined;
    const credentials: Record<string, unknown> = { ...given };
    for (const [k, v] of Object.entries(answer.credentials)) if (!(k in given)) credentials[k] = { value: v };
    return [{ ...a, name: answer.name, type: answer.type, credentials }, ...args.slice(1)];
  },
};

interface CommandResult {
  ok: boolean;
  message: string;
  missing?: string[];
}

/** Asks for each value the server reported missing: `value` of a secret, or credential keys. */
async function askMissing(command: string, args: unknown[], missing: string[]): Promise<unknown[] | undefined> {
  const a = firstObject(args);
  if (command === 'capsule.defineSecret' && missing.includes('value')) {
    const value = await askSecretValue(String(a.name));
    return value === undefined ? undefined : [{ ...a, value }, ...args.slice(1)];
  }
  if (command === 'capsule.createChannel') {
    const credentials = { ...((a.credentials ?? {}) as Record<string, unknown>) };
    for (const key of missing) {
      const value = await askSecretValue(`${String(a.name)}: ${key}`);
      if (value === undefined) return undefined;
      credentials[key] = { value };
    }
    return [{ ...a, credentials }, ...args.slice(1)];
  }
  return undefined;
}

export function createLanguageClient(serverModule: string, onStoreChanged: () => void): LanguageClient {
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'python' }],
    outputChannelName: 'Capsule Language Server',
    synchronize: {
      // The server re-reads local state (secret and channel names) when these change.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/.capsule/store.json'),
        vscode.workspace.createFileSystemWatcher('**/.env'),
        vscode.workspace.createFileSystemWatcher('**/*.py'),
      ],
    },
    // The client reports each command's result itself (below), with the Capsule prefix.
    initializationOptions: { commandMessages: false },
    middleware: {
      executeCommand: async (command, args, next) => {
        if (!command.startsWith('capsule.') || command === 'capsule.refresh') return next(command, args);
        const complete = completers[command];
        let full = complete ? await complete(args) : args;
        if (!full) return undefined; // the user cancelled: nothing is sent, nothing changes
        let result = (await next(command, full)) as CommandResult | undefined;
        // The server names what it still needs (e.g. a credential it could not read from the
        // source); ask once more for exactly those and run the command again.
        if (result && !result.ok && result.missing?.length) {
          full = await askMissing(command, full, result.missing);
          if (!full) return result;
          result = (await next(command, full)) as CommandResult | undefined;
        }
        onStoreChanged();
        if (result?.message) {
          if (result.ok) void vscode.window.showInformationMessage(`Capsule: ${result.message}`);
          else void vscode.window.showErrorMessage(`Capsule: ${result.message}`);
        }
        return result;
      },
    },
  };
  return new LanguageClient('capsule', 'Capsule Language Server', serverOptions, clientOptions);
}
