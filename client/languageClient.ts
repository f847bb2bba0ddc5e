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

export const completers: Record<string, Completer> = {
  // Define a missing secret: ask its value (password box), forward { ...args, value }.
  'capsule.defineSecret': async (args) => {
    const a = firstObject(args);
    const name = str(a.name) ?? str(args[0]) ?? (await askSecretName());
    if (!name) return undefined;
    const value = await askSecretValue(name);
    if (value === undefined) return undefined;
    return [{ ...a, name, value }, ...args.slice(1)];
  },
  // Move a hard-coded credential into a secret: confirm the secret name; the server has the value.
  'capsule.storeCredential': async (args) => {
    const a = firstObject(args);
    const suggested = str(a.name) ?? str(a.secretName) ?? str(a.suggestedName);
    const name = await askSecretName(suggested);
    if (!name) return undefined;
    return [{ ...a, name, secretName: name }, ...args.slice(1)];
  },
  // Create a named channel: ask what is missing (type, credentials), forward everything.
  'capsule.createChannel': async (args) => {
    const a = firstObject(args);
    const known = {
      name: str(a.name) ?? str(args[0]),
      type: str(a.type),
      credentials: (a.credentials && typeof a.credentials === 'object' ? a.credentials : {}) as Record<string, string>,
    };
    const answer = await askChannel(known);
    if (!answer) return undefined;
    return [{ ...a, ...answer }, ...args.slice(1)];
  },
};

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
    middleware: {
      executeCommand: async (command, args, next) => {
        const complete = completers[command];
        if (!complete) return next(command, args);
        const full = await complete(args);
        if (!full) return undefined; // the user cancelled: nothing is sent, nothing changes
        const result = await next(command, full);
        onStoreChanged();
        return result;
      },
    },
  };
  return new LanguageClient('capsule', 'Capsule Language Server', serverOptions, clientOptions);
}
