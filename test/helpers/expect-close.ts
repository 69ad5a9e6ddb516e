import { expect } from 'vitest';

import { maxViolation } from './random.js';

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): void {
  expect(maxViolation(actual, expected, atol, rtol)).toBeLessThanOrEqual(1);
}
