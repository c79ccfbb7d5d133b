/** Runs async jobs one after another: a shared model must never train two clients at once. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    // The chain continues whether this job succeeds or fails.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
