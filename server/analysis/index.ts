// The public API of the analysis. Everything here is pure: text and local state in, model and
// diagnostics out. The language server, `capsule-local check`, the tests and the benches import
// from this file only.
export type * from './types';
export type { FileSummary, FileApp, RawIntegration, RawUse, RawHandler, EnvironRead, ChannelRef, ImportBinding } from './model-types';
export { analyzeWorkspace, AnalysisCache, relevantFiles } from './workspace';
export { summarizeFile, Scope } from './summary';
export { parsePython, syntaxTree, changedSpan, type ParsedText } from './parse';
export { LineIndex, offsetToPosition, positionToOffset } from './text';
export { stringValue, decodeLiteralToken, isStringNode, type StringLiteral } from './strings';
export { dottedName, callArgs, type CallArgs, type KeywordArg } from './syntax';
export { parseDotenv, type DotenvName } from './dotenv';
export { buildLocalState, unknownLocalState, type StateInput } from './state';
export { ModuleIndex } from './modules';
export { REFERENCED_FILE_EXTENSIONS } from './app-files';
export { cpslScopeOf } from './scope';
export { DIAGNOSTIC_CODES, diagnosticAnchor, diagnosticDocPath, type DiagnosticCode } from './codes';
