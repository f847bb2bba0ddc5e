// One request to the running emulator of a store, for the commands that talk to it: a missing
// emulator, a refused call or an error answer becomes a UserError with the emulator's message.
import { callEmulator, EmulatorClientError, errorOf, findEmulator } from '../../emulator/gateway/client';
import { UserError } from '../errors';

export async function callRunning(store: string, path: string, body?: unknown, raw?: { data: Buffer; headers: Record<string, string> }): Promise<unknown> {
  let info;
  try {
    info = findEmulator(store);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  try {
    const r = await callEmulator(info, path, raw ? { raw } : body === undefined ? {} : { body });
    if (r.status >= 300) throw new UserError(errorOf(r.body, r.status));
    return r.body;
  } catch (e) {
    if (e instanceof EmulatorClientError) throw new UserError(e.message);
    throw e;
  }
}
