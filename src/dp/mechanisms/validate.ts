/** Argument checks shared by the mechanisms and statistics (each names the argument and value). */
import { check } from '../../errors.js';

export function checkEpsilon(epsilon: number, name = 'epsilon'): void {
  check(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon > 0, name, epsilon, 'a positive finite number');
}

export function checkDelta(delta: number, name = 'delta'): void {
  check(typeof delta === 'number' && delta > 0 && delta < 1, name, delta, 'in (0, 1)');
}

export function checkSensitivity(sensitivity: number, name = 'sensitivity'): void {
  check(
    typeof sensitivity === 'number' && Number.isFinite(sensitivity) && sensitivity > 0,
    name,
    sensitivity,
    'a positive finite number',
  );
}

export function checkFinite(value: number, name: string): void {
  check(typeof value === 'number' && Number.isFinite(value), name, value, 'a finite number');
}
