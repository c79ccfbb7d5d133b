/**
 * ScatterNet features of an image data set (Tramèr & Boneh, ICLR 2021, §3): each image is replaced
 * by its scattering coefficients (scattering.ts), optionally group-normalised per example
 * (group-norm.ts). Both are fixed functions of one record — no statistics of the data set — so they
 * are preprocessing that costs no privacy: train on the result with DP-SGD as on pixels.
 */
import type { Dataset } from '../../data/dataset.js';
import { CohortError, check } from '../../errors.js';
import { groupNormalize } from './group-norm.js';
import { Scattering2d, type ScatteringOptions } from './scattering.js';

export interface ScatteringFeatureOptions {
  /** J (default 2). */
  readonly scales?: number;
  /** L (default 8). */
  readonly orientations?: number;
  /**
   * Group normalisation per example with this many groups over the output channels (a divisor of
   * them); absent: none. Tramèr & Boneh use 27 groups for the 81 channels of Fashion-MNIST.
   */
  readonly groups?: number;
  /** Called every `progressEvery` images (default 1000) and at the end. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
}

/** The image geometry of a data set: its exampleShape as [height, width, channels]. */
export function imageGeometry(data: Pick<Dataset, 'exampleShape' | 'name'>): [number, number, number] {
  const dims = data.exampleShape;
  if (dims === undefined || (dims.length !== 2 && dims.length !== 3)) {
    throw new CohortError('INVALID_ARGUMENT', `scattering features need image data with an example shape [height, width] or [height, width, channels] (${data.name} has ${dims === undefined ? 'none' : JSON.stringify(dims)})`, {
      subject: 'data',
    });
  }
  const [height, width, channels = 1] = dims as [number, number, number?];
  return [height, width, channels];
}

/** The transform a data set's images need. */
export function scatteringFor(data: Pick<Dataset, 'exampleShape' | 'name'>, options: ScatteringFeatureOptions = {}): Scattering2d {
  const [height, width, channels] = imageGeometry(data);
  const settings: ScatteringOptions = {
    height,
    width,
    channels,
    ...(options.scales === undefined ? {} : { scales: options.scales }),
    ...(options.orientations === undefined ? {} : { orientations: options.orientations }),
  };
  return new Scattering2d(settings);
}

/**
 * A new data set whose rows are the scattering features of `data`'s images: numFeatures =
 * (H/2^J)·(W/2^J)·C·K, exampleShape [H/2^J, W/2^J, C·K] (channel-last), same labels and classes.
 */
export function scatteringFeatures(data: Dataset, options: ScatteringFeatureOptions = {}): Dataset {
  check(typeof options === 'object' && options !== null, 'options', options, 'an object');
  const scattering = scatteringFor(data, options);
  const positions = scattering.outputHeight * scattering.outputWidth;
  if (options.groups !== undefined) {
    check(Number.isInteger(options.groups) && options.groups >= 1 && scattering.outputChannels % options.groups === 0, 'groups', options.groups, `a positive divisor of the ${scattering.outputChannels} scattering channels`);
  }
  const every = options.progressEvery ?? 1000;
  check(Number.isInteger(every) && every >= 1, 'progressEvery', every, 'a positive integer');
  const size = scattering.outputSize;
  const features = new Float32Array(data.numExamples * size);
  for (let i = 0; i < data.numExamples; i++) {
    scattering.transform(data.features, features, i * data.numFeatures, i * size);
    if (options.groups !== undefined) groupNormalize(features, positions, scattering.outputChannels, options.groups, i * size);
    if (options.onProgress !== undefined && ((i + 1) % every === 0 || i + 1 === data.numExamples)) options.onProgress(i + 1, data.numExamples);
  }
  const featureNames: string[] = [];
  for (let y = 0; y < scattering.outputHeight; y++) {
    for (let x = 0; x < scattering.outputWidth; x++) {
      for (let k = 0; k < scattering.outputChannels; k++) featureNames.push(`scattering_${y}_${x}_${k}`);
    }
  }
  return {
    name: `${data.name} (scattering J=${scattering.scales}, L=${scattering.orientations}${options.groups === undefined ? '' : `, group norm ${options.groups}`})`,
    features,
    labels: data.labels,
    numExamples: data.numExamples,
    numFeatures: size,
    numClasses: data.numClasses,
    classNames: data.classNames,
    featureNames,
    exampleShape: [scattering.outputHeight, scattering.outputWidth, scattering.outputChannels],
  };
}
