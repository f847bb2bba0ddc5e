// FilesystemService: the platform's managed filesystems (`filesystems={"/data": cpsl.FileSystem(...)}`),
// an API of the Capsule CLI. Not emulated: every RPC says so.
import type { ServiceImpl } from './server';

export function filesystemService(): ServiceImpl {
  const feature = 'managed filesystems (cpsl.FileSystem)';
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
