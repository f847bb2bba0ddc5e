// Reading values that must not go on a command line (shell history, `ps`): all of stdin when it is
// piped, or typed without echo on a terminal. Used by `secret set` and `channel create`.
import { UserError } from '../errors';

export function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

// Keys typed (or pasted) past the end of one hidden answer belong to the next question.
let typedAhead = '';

export function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows, so that nothing typed right after it is echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolveValue, reject) => {
    let value = '';
    let done = false;
    const finish = (err?: Error): void => {
      done = true;
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolveValue(value);
    };
    const take = (text: string): void => {
      const chars = [...text];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i]!;
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          // A pasted CRLF ends one answer, not two.
          typedAhead = chars.slice(ch === '\r' && chars[i + 1] === '\n' ? i + 2 : i + 1).join('');
          return finish();
        }
        if (ch === '\u0003') return finish(new UserError('cancelled; nothing was saved', 130));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    const onData = (chunk: Buffer): void => take(chunk.toString('utf8'));
    const ahead = typedAhead;
    typedAhead = '';
    take(ahead);
    if (done) return;
    stdin.resume();
    stdin.on('data', onData);
  });
}
