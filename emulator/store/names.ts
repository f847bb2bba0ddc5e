// Naming rules for what the store holds, with a suggested fix for each mistake.
//   Secret names become environment variables of the app: ^[A-Za-z_][A-Za-z0-9_]*$.
//   Channel names appear in webhook URLs and in `cpsl.Channel("name")`: lowercase letters, digits,
//   `-` and `_`, starting with a letter or digit, at most 64 characters.

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isValidSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `my-key` → `MY_KEY`, `2fa code` → `_2FA_CODE`. Undefined when nothing usable remains. */
export function suggestSecretName(name: string): string | undefined {
  let s = name
    .trim()
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_(?=[A-Za-z])|_$/g, '')
    .toUpperCase();
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s && SECRET_NAME.test(s) && s !== name ? s : undefined;
}

/** Why `name` is not a valid secret name, with the fix; undefined when it is valid. */
export function secretNameProblem(name: string): string | undefined {
  if (isValidSecretName(name)) return undefined;
  const suggestion = suggestSecretName(name);
  const why = name === '' ? 'a secret name cannot be empty' : `"${name}" is not a valid secret name`;
  return (
    `${why}: secret names become environment variables, so use letters, digits and _ and do not ` +
    `start with a digit` + (suggestion ? ` (did you mean ${suggestion}?)` : '')
  );
}

export function suggestChannelName(name: string): string | undefined {
  const s = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 64);
  return s && CHANNEL_NAME.test(s) && s !== name ? s : undefined;
}

export function channelNameProblem(name: string): string | undefined {
  if (CHANNEL_NAME.test(name)) return undefined;
  const suggestion = suggestChannelName(name);
  const why = name === '' ? 'a channel name cannot be empty' : `"${name}" is not a valid channel name`;
  return (
    `${why}: use lowercase letters, digits, - and _, starting with a letter or digit, at most 64 ` +
    `characters` + (suggestion ? ` (did you mean ${suggestion}?)` : '')
  );
}
