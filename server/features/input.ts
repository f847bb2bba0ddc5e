// What every feature function receives. Features are pure: the text, its syntax tree and the
// latest app model in, LSP-shaped data out. The only source of SDK knowledge is the catalog; local
// names come from the providers, which say whether their lists are complete.
import type { Tree } from '@lezer/common';
import type { AppModel, LocalState, Scope, FileSummary } from '../analysis/index';
import { LineIndex } from '../analysis/index';

export interface FileInput {
  /** The analysis key of the file (workspace-relative path). */
  path: string;
  uri: string;
  text: string;
  tree: Tree;
  /** How the file names cpsl and os. */
  scope: Scope;
  summary: FileSummary;
  index: LineIndex;
  /** The open document's version, when the file is open in the editor. */
  version?: number;
}

export interface Providers {
  /** Secret names (store and .env) and channel names (store), each with a `complete` flag. */
  state: LocalState;
  /** The latest app model of the file's workspace folder (may lag one keystroke behind). */
  model: AppModel | undefined;
  /** URI of a path as the model reports it. */
  uriOf(path: string): string;
  /** URI of the workspace folder (store commands name it). */
  folderUri: string;
  /** Another file of the folder (quick fixes that edit the file declaring the app). */
  inputOf(path: string): FileInput | undefined;
}
