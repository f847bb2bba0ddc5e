// The language server in-process on a temporary workspace, as the LSP tests and the language
// server bench both use it: files written, a store seeded, the server initialized, and everything
// shut down and removed afterwards, whatever the body did.
import { TestClient, type ClientOptions } from '../lsp/client';
import { seedStore, tempWorkspace, type TempWorkspace } from '../lsp/workspace';

export interface LanguageServerWorkspace {
  /** Files of the workspace (relative path -> text). */
  files: Record<string, string>;
  /** Secrets (name -> value) of the store. With neither secrets nor channels, no store is written. */
  secrets?: Record<string, string>;
  channels?: Parameters<typeof seedStore>[2];
  /** Name of the workspace folder sent in initialize (default `ws`). */
  folderName?: string;
  client?: ClientOptions;
}

/** Runs `body` against an initialized in-process server on a fresh workspace; always cleans up. */
export async function withLanguageServer<T>(setup: LanguageServerWorkspace, body: (ws: TempWorkspace, client: TestClient) => Promise<T>): Promise<T> {
  const ws = tempWorkspace(setup.files);
  if (setup.secrets || setup.channels) await seedStore(ws.root, setup.secrets ?? {}, setup.channels);
  const client = TestClient.inProcess();
  try {
    await client.initialize([{ uri: ws.uri, name: setup.folderName ?? 'ws' }], setup.client);
  } catch (e) {
    // A server that did not initialize cannot be asked to shut down: keep its error, not a timeout.
    await client.dispose();
    ws.remove();
    throw e;
  }
  try {
    return await body(ws, client);
  } finally {
    await client.shutdown();
    ws.remove();
  }
}

/**
 * The top of an app file that the LSP tests and the bench share: an App with an image and one
 * secret (OPENAI_API_KEY), and a GitHub integration whose client id and secret are named secrets
 * (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET).
 */
export function githubAppHeader(name: string, scopes: string[]): string {
  return `import os
import cpsl

app = cpsl.App(
    "${name}",
    image=cpsl.Image(python_packages=["httpx"]),
    secrets=["OPENAI_API_KEY"],
)
app.add_integration(
    "github",
    client_id=cpsl.Secret.from_name("GITHUB_CLIENT_ID"),
    client_secret=cpsl.Secret.from_name("GITHUB_CLIENT_SECRET"),
    scopes=[${scopes.map((s) => JSON.stringify(s)).join(', ')}],
)
`;
}
