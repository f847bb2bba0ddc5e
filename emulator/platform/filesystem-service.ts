// FilesystemService: the Capsule CLI's API for the platform's managed filesystems (`cpsl fs`); the
// runner never calls it. Not emulated: every RPC says so. (An app's mount paths work for its Python
// file calls: runner/filesystems.ts.)
import type { ServiceImpl } from './server';

export function filesystemService(): ServiceImpl {
  const feature = "the Capsule CLI's managed filesystem API (cpsl fs)";
  return {
    unary: {},
    unimplemented: {
      CreateFilesystem: feature,
      ListFilesystems: feature,
      GetFilesystem: feature,
      DeleteFilesystem: feature,
    },
  };
}
