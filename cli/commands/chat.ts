// `capsule-local chat TEXT`: one message through the API channel of the running emulator. Waits
// until the handler finishes, also while it waits on a prompt (integration, approval, file: the prompt's id and
// how to answer it go to stderr). A handler that raises: the error on stderr, exit status 1.
import type { Command } from 'commander';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { callEmulator, EmulatorClientError, errorOf, findEmulator } from '../../emulator/gateway/client';
import { UsageError, UserError } from '../errors';

interface ChatFlags {
  store: string;
  app?: string;
  session?: string;
  user?: string;
  timeout?: string;
  json?: boolean;
}

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('Send one message to the running app through the API channel and print the reply.')
    .argument('<text...>', 'the message')
    .option('--app <name>', 'the app (when the emulator serves several)')
    .option('--session <id>', 'continue this session (printed by an earlier --json chat)')
    .option('--user <name>', 'the simulated end user (persona id, name or email; a new name creates one)')
    .option('--timeout <seconds>', 'give up after this many seconds (default: wait as long as the handler runs)')
    .option('--json', 'print {session_id, reply, blocks}')
    .option('--store <dir>', 'the store folder', DEFAULT_STORE_DIR)
    .action(async (words: string[], flags: ChatFlags) => {
      const text = words.join(' ');
      if (!text.trim()) throw new UsageError('nothing to send: give the message text');
      let timeoutMs: number | undefined;
      if (flags.timeout !== undefined) {
        const s = Number(flags.timeout);
        if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not "${flags.timeout}"`);
        timeoutMs = s * 1000;
      }
      let info;
      try {
        info = findEmulator(flags.store);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const body: Record<string, unknown> = { text };
      if (flags.app) body.app = flags.app;
      if (flags.session) body.session_id = flags.session;
      if (flags.user) body.user = flags.user;

      let sessionId = flags.session ?? '';
      const replies: string[] = [];
      let streamed = '';
      const blocks: unknown[] = [];
      let error: string | undefined;
      let finished = false;
      const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
      let res;
      try {
        res = await callEmulator(info, '/api/chat/stream', {
          body,
          signal,
          onLine: (e) => {
            // A streamed message ends where anything else comes (as the emulator stores it).
            if (e.kind !== 'delta' && streamed) {
              replies.push(streamed);
              streamed = '';
            }
            switch (e.kind) {
              case 'session':
                sessionId = String(e.session_id);
                break;
              case 'reply':
                replies.push(String(e.text));
                break;
              case 'delta':
                streamed += String(e.text);
                break;
              case 'block':
                blocks.push(e.block);
                break;
              case 'prompt': {
                const p = e.prompt as { id: string; type: string; mode: string; reason: string };
                if (p.mode === 'approval' || p.mode === 'file') {
                  process.stderr.write(
                    p.mode === 'approval'
                      ? `capsule-local: the app asks for an approval\n  waiting; answer with: capsule-local prompts answer ${p.id} --allow   (or --deny)\n`
                      : `capsule-local: the app asks for a file\n  waiting; answer with: capsule-local prompts answer ${p.id} --file PATH   (or in the web chat)\n`,
                  );
                  break;
                }
                process.stderr.write(
                  `capsule-local: the app asks to connect ${p.type} (${p.mode})${p.reason ? `: ${p.reason}` : ''}\n` +
                    `  waiting; answer with: capsule-local prompts answer ${p.id} --allow   (or --deny)\n`,
                );
                break;
              }
              case 'done':
                finished = true;
                if (typeof e.error === 'string') error = e.error;
                break;
            }
          },
        });
      } catch (e) {
        if ((e as Error).name === 'AbortError' || (e as Error).name === 'TimeoutError') {
          throw new UserError(`no reply within ${flags.timeout} s${sessionId ? ` (session ${sessionId}; the handler may still be running)` : ''}`);
        }
        if (e instanceof EmulatorClientError) throw new UserError(e.message);
        throw e;
      }
      if (res.status >= 300) throw new UserError(errorOf(res.body, res.status));
      if (streamed) replies.push(streamed);
      if (!finished) throw new UserError('the emulator closed the connection before the handler finished');
      const reply = replies.join('\n');
      if (error) {
        if (reply) process.stdout.write(reply + '\n');
        throw new UserError(`the handler failed: ${error}`);
      }
      if (flags.json) process.stdout.write(JSON.stringify({ session_id: sessionId, reply, blocks }) + '\n');
      else {
        process.stdout.write(reply ? reply + '\n' : '');
        for (const b of blocks as Array<{ type?: string; payload?: { type?: string; reason?: string } }>) {
          if (b.type === 'integration_prompt') process.stderr.write(`[block integration_prompt: ${b.payload?.type ?? ''}${b.payload?.reason ? ` — ${b.payload.reason}` : ''}]\n`);
          else process.stderr.write(`[block ${b.type ?? '?'}]\n`);
        }
        process.stderr.write(`session ${sessionId}\n`);
      }
    });
}
