// A word of a command the emulator prints for the developer to paste into a POSIX shell: as it is
// when no shell would read anything in it, otherwise single-quoted.
export const shellWord = (s: string): string => (/^[A-Za-z0-9._+=:/@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
