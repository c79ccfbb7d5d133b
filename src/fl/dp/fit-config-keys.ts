/**
 * Keys that private-training wrappers add to a fit configuration's `extra` (scalars, so they pass
 * through any transport untouched), read by the client side in client-fit.ts.
 */

/** User-level DP: the client clips its update w_local − w_global to this L2 norm. */
export const DP_CLIPPING_NORM_KEY = 'dp.clippingNorm';
/** Reply metric: 1 when the client's update norm was ≤ the clipping norm before clipping, else 0. */
export const DP_UNCLIPPED_METRIC = 'dpUnclipped';

/** Sample-level (local) DP: the DP-SGD run a client does on its own data this round. */
export const LOCAL_DP_NOISE_MULTIPLIER_KEY = 'dp.local.noiseMultiplier';
export const LOCAL_DP_CLIPPING_NORM_KEY = 'dp.local.clippingNorm';
/** Poisson sampling rate of the client's batches (expected batch size / examples). */
export const LOCAL_DP_SAMPLE_RATE_KEY = 'dp.local.sampleRate';
/** DP-SGD steps to take this round (the server accounts exactly these). */
export const LOCAL_DP_STEPS_KEY = 'dp.local.steps';
