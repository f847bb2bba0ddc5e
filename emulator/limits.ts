// The limits on what clients and apps hand the emulator, in one place. docs/emulator.md ("Limits")
// states them to users; every check below answers with the limit in its message.
//
// Refused (a 4xx, nothing stored): a request body over `bodyBytes` (413), a message over
// `messageChars` (413), an id or name over `nameChars` (400). Cut with a marker (what the app
// sends cannot be refused back to the user): history text over `storedTextChars`, every string of
// an event over `eventTextChars`, a multi-line event over `eventLines` lines.

export const LIMITS = {
  /** A request body, JSON or form (the runner's own calls may carry 16 MiB). */
  bodyBytes: 1024 * 1024,
  /** One message a client sends (the text of `POST /api/chat`, a web chat message, a webhook's text). */
  messageChars: 100_000,
  /** An id or name a client chooses: session ids, persona ids, names and emails, app names, integration types. */
  nameChars: 128,
  /** One history item's text as stored (an app's reply or notification; the live answer has it whole). */
  storedTextChars: 100_000,
  /** Each string of an event as stored and streamed (its summary, every string of its detail). */
  eventTextChars: 4_000,
  /** The lines of one multi-line event (a traceback). */
  eventLines: 200,
  /** One message of the platform's gRPC gateway, either way (the SDK's channel allows 16 MiB). */
  grpcMessageBytes: 16 * 1024 * 1024,
  /**
   * The body of an upstream answer the Pipedream proxy hands the app: it travels in one gRPC
   * message, with its headers (Node's HTTP parser keeps those under 16 KiB) and some room to spare.
   */
  pipedreamBodyBytes: 16 * 1024 * 1024 - 64 * 1024,
  /** A file uploaded into a managed filesystem through the page view's ui.FileBrowser (the platform's message size). */
  fileBrowserUploadBytes: 16 * 1024 * 1024,
  /** How long the Pipedream proxy waits for the upstream API's answer (the SDK's call has no deadline of its own). */
  pipedreamTimeoutMs: 30_000,
} as const;

/** Why `value` (the request field `field`) is too long an id or name, or undefined. */
export function nameTooLong(field: string, value: string): string | undefined {
  if (value.length <= LIMITS.nameChars) return undefined;
  return `"${field}" is ${value.length} characters long: ids and names are at most ${LIMITS.nameChars} characters`;
}

/** Why `text` is too long a message, or undefined. */
export function messageTooLong(text: string): string | undefined {
  if (text.length <= LIMITS.messageChars) return undefined;
  return `the message is ${text.length} characters long: messages are at most ${LIMITS.messageChars} characters`;
}

/**
 * `text` cut to `max` characters, the marker included, so that cutting twice changes nothing.
 * The marker says how much was left out.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  // The marker's length depends on the count it shows, and the count on where the cut falls.
  let cut = Math.max(0, max - marker(text.length).length);
  while (cut < max && cut + 1 + marker(text.length - cut - 1).length <= max) cut++;
  return text.slice(0, cut) + marker(text.length - cut);
}

const marker = (n: number): string => `… [${n} more characters not stored]`;
