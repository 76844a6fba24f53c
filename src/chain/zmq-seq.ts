/** What a topic's sequence number says about the messages before it. */
export type SequenceCheck =
  | { gap: false }
  /** Messages were lost (`reset`: the counter restarted at 0, i.e. Core restarted). */
  | { gap: true; expected: number; reset: boolean };

/** The answer for nearly every message, made once. */
const NO_GAP: Readonly<SequenceCheck> = Object.freeze({ gap: false });

/**
 * Core numbers each topic's messages with a uint32 that wraps and starts at 0 when the
 * node starts. `last` is null before the first message: whatever number it carries, it
 * is no gap (Till cannot know what came before; its start-up catch-up covers that).
 */
export function checkSequence(last: number | null, got: number): Readonly<SequenceCheck> {
  if (last === null) return NO_GAP;
  const expected = (last + 1) >>> 0;
  if (got === expected) return NO_GAP;
  return { gap: true, expected, reset: got === 0 };
}
