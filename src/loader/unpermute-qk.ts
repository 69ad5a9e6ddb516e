/**
 * Undoes convert_hf_to_gguf's q/k row permutation for the `llama` architecture, which reorders each head's rows
 * so that llama.cpp's interleaved (GPT-J) RoPE pairs rows 2j and 2j+1. Hugging Face pairs j and j + D/2 (neox):
 *
 *   GGUF row  h*D + 2j + s   (j < D/2, s in {0, 1})
 *   HF row    h*D + s*D/2 + j
 *
 * Rows are moved as raw bytes, so any row-wise format (f32, f16, Q8_0 blocks, a bias vector) works.
 */
export function unpermuteQkRows(src: Uint8Array, numRows: number, numHeads: number): Uint8Array {
  const rowBytes = src.byteLength / numRows;
  const headDim = numRows / numHeads;
  const half = headDim / 2;
  const out = new Uint8Array(src.byteLength);
  for (let h = 0; h < numHeads; h++) {
    for (let j = 0; j < half; j++) {
      for (let s = 0; s < 2; s++) {
        const from = (h * headDim + 2 * j + s) * rowBytes;
        const to = (h * headDim + s * half + j) * rowBytes;
        out.set(src.subarray(from, from + rowBytes), to);
      }
    }
  }
  return out;
}
