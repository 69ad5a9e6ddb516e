/**
 * Buffers for one step's activations, sized for the largest step seen (or announced): a step of more tokens grows
 * them once, to at least double. The views of the last step size are kept, so a steady state allocates nothing.
 */
export abstract class StepScratch<V extends { readonly numTokens: number }> {
  private capacity = 0;
  private last: V | null = null;

  views(numTokens: number): V {
    if (numTokens > this.capacity) this.reserve(Math.max(numTokens, 2 * this.capacity));
    if (this.last?.numTokens !== numTokens) this.last = this.makeViews(numTokens);
    return this.last;
  }

  /** Room for numTokens tokens (a subclass's constructor calls it for its initial size). */
  protected reserve(numTokens: number): void {
    this.allocate(numTokens);
    this.capacity = numTokens;
    this.last = null;
  }

  /** Replaces every buffer by one for numTokens tokens. */
  protected abstract allocate(numTokens: number): void;

  protected abstract makeViews(numTokens: number): V;
}
