// Building the LocalState the analysis reads: secret names from the store and `.env`, channel
// names from the store. The callers read the files; this only shapes what they found.
import type { FileSource, LocalState, NameOrigin, NameSource } from './types';
import { parseDotenv } from './dotenv';

export interface StateInput {
  /** Store secret names; undefined when the store could not be read (diagnostics stay silent). */
  storeSecrets: readonly string[] | undefined;
  /** Store channels; undefined when the store could not be read. */
  storeChannels: ReadonlyArray<{ name: string; type?: string }> | undefined;
  /** The workspace `.env`, when there is one. `text: undefined` = it exists but could not be read. */
  dotenv?: { path: string; text: string | undefined };
  /** Which files exist (the reader of the disk); without it file references are not checked. */
  files?: FileSource;
}

export function buildLocalState(input: StateInput): LocalState {
  const secrets = new Map<string, NameOrigin>();
  let secretsComplete = input.storeSecrets !== undefined;
  if (input.dotenv) {
    if (input.dotenv.text === undefined) secretsComplete = false;
    else {
      for (const n of parseDotenv(input.dotenv.text)) {
        secrets.set(n.name, { source: 'env-file', location: { path: input.dotenv.path, range: n.range } });
      }
    }
  }
  // The store wins over .env, as in the emulator's secret resolution.
  for (const name of input.storeSecrets ?? []) secrets.set(name, { source: 'store' });
  const channels = new Map<string, NameOrigin>();
  for (const c of input.storeChannels ?? []) channels.set(c.name, { source: 'store', ...(c.type ? { channelType: c.type } : {}) });
  return {
    secrets: { names: secrets, complete: secretsComplete },
    channels: { names: channels, complete: input.storeChannels !== undefined },
    ...(input.files ? { files: input.files } : {}),
  };
}

/** A state with nothing known: every state-dependent diagnostic stays silent. */
export function unknownLocalState(): LocalState {
  const none: NameSource = { names: new Map(), complete: false };
  return { secrets: none, channels: { names: new Map(), complete: false } };
}
