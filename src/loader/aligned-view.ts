/** `bytes` itself when its offset suits elements of `elementBytes`, otherwise an aligned copy. */
export function alignedView(bytes: Uint8Array, elementBytes: number): Uint8Array {
  return bytes.byteOffset % elementBytes === 0 ? bytes : new Uint8Array(bytes);
}
