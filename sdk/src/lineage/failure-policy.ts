import { isDataKitError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { LineageEmitter } from './emitter';

export interface FailurePolicyOptions {
  /** Throw delivery failures (failing the run) instead of logging them. Default false. */
  failOnError?: boolean;
  logger: Logger;
}

/**
 * Lineage is observability: by default an unreachable or refusing backend is a warning in the log
 * and the run goes on. With failOnError the failure is thrown to the caller.
 */
export function withFailurePolicy(emitter: LineageEmitter, options: FailurePolicyOptions): LineageEmitter {
  const guard = async (operation: () => Promise<void>): Promise<void> => {
    try {
      await operation();
    } catch (error) {
      if (options.failOnError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      options.logger.warn(
        {
          code: isDataKitError(error) ? error.code : undefined,
          target: emitter.target,
          hint: isDataKitError(error) ? error.hint : undefined,
        },
        `${message} (lineage failures do not fail the run unless failOnError is set)`,
      );
    }
  };
  return {
    target: emitter.target,
    emit: (event) => guard(() => emitter.emit(event)),
    flush: () => guard(() => emitter.flush()),
    close: () => guard(() => emitter.close()),
  };
}
