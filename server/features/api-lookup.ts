// The editor features' view of the SDK lookup: the analysis' resolver with this file's apps.
import type { ApiEntry } from '../../catalog/catalog';
import { membersOf as analysisMembersOf, sdkEntry, type MemberTable } from '../analysis/sdk-api';
import type { FileInput } from './input';

export { activeParam, paramChoices } from '../analysis/sdk-api';

/** Whether `name` is an App: declared in this file, or imported under an app-like name. */
export function isAppName(input: FileInput, name: string): boolean {
  if (input.summary.apps.some((a) => a.variable === name)) return true;
  return input.summary.imports.some((b) => b.kind === 'from' && b.local === name && /(^|_)app$/i.test(b.name));
}

export function membersOf(input: FileInput, object: string[]): MemberTable | undefined {
  return analysisMembersOf(input.scope, { isApp: (n) => isAppName(input, n) }, object);
}

/** The entry with the table it is from (`ui`, `app`, `session`...) and its name. */
export function hitForCallee(input: FileInput, callee: string[] | undefined) {
  return sdkEntry(input.scope, { isApp: (n) => isAppName(input, n) }, callee);
}

export function entryForCallee(input: FileInput, callee: string[] | undefined): ApiEntry | undefined {
  return sdkEntry(input.scope, { isApp: (n) => isAppName(input, n) }, callee)?.entry;
}
