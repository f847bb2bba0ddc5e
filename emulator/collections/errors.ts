// Errors of the data service. Each carries the gRPC status the gateway answers with (`code`, as
// grpc-js reads it from an error passed to a unary callback) and a message that says what was
// wrong and, where it helps, what to send instead. Messages quote field names and operators,
// never document values.

/** gRPC status codes used here (grpc/status.h). */
export const Status = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export type StatusName = keyof typeof Status;

export class DataError extends Error {
  readonly code: number;
  /** grpc-js sends `details` as the status message. */
  readonly details: string;
  constructor(
    readonly status: StatusName,
    message: string,
  ) {
    super(message);
    this.name = 'DataError';
    this.code = Status[status];
    this.details = message;
  }
}

export const invalid = (message: string): DataError => new DataError('INVALID_ARGUMENT', message);
