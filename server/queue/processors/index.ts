import type { ProcessorRegistry } from './types.ts';

export type { Processor, ProcessorContext, ProcessorRegistry } from './types.ts';

/**
 * The processors of this build. The real work of each queue arrives with its feature (data sync,
 * insights, reports, email, alerts); a queue missing here gets no Worker, so its jobs wait
 * rather than being "processed" by something that pretends.
 */
export function defaultProcessors(): ProcessorRegistry {
  return {};
}
