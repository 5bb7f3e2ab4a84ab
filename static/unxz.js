// Decode an xz stream as it arrives: xz-embedded, compiled to WebAssembly by the pinned
// xzwasm package (its 12 KB module is published beside the runtime), behind a
// TransformStream, so a fetched body can be piped straight into WebAssembly's streaming
// compiler. Used by the worker for the packed Python runtime (scripts/pack-runtime.py).

/**
 * Compile the decoder from its WebAssembly bytes (or a Response, or a promise of either) and return a function
 * that makes a TransformStream of xz bytes → decoded bytes. The stream fails unless the
 * input decodes, block checks included, to exactly `expectedLength` bytes.
 */
export async function xzDecoder(wasm) {
  const source = await wasm;
  const { instance } = await WebAssembly.instantiate(
    source instanceof Response ? await source.arrayBuffer() : source, {});
  const xz = instance.exports;
  return (expectedLength) => {
    const context = xz.create_context();
    // The context starts with its buffers' size, then xz-embedded's struct xz_buf:
    // in, in_pos, in_size, out, out_pos, out_size (32-bit words; memory may grow).
    const words = () => new Uint32Array(xz.memory.buffer, context, 7);
    const size = words()[0];
    let length = 0;
    return new TransformStream({
      transform(chunk, controller) {
        for (let at = 0; at < chunk.length; at += size) {
          const piece = chunk.subarray(at, at + size);
          new Uint8Array(xz.memory.buffer).set(piece, words()[1]);
          xz.supply_input(context, piece.length);
          // Run until this piece is consumed. Output still pending when it is comes out
          // with the next piece: a stream's index and footer follow its last data.
          let state;
          do {
            state = words();
            state[5] = 0;
            state[6] = size;
            const status = xz.get_next_output(context); // 0: more to come, 1: stream end
            if (status !== 0 && status !== 1) throw new Error(`corrupt xz data (code ${status})`);
            state = words();
            length += state[5];
            if (length > expectedLength) throw new Error("xz data longer than expected");
            if (state[5] > 0) {
              controller.enqueue(new Uint8Array(xz.memory.buffer).slice(state[4], state[4] + state[5]));
            }
          } while (state[2] < state[3]);
        }
      },
      flush() {
        xz.destroy_context(context);
        if (length !== expectedLength) {
          throw new Error(`xz data ends early (${length} of ${expectedLength} bytes)`);
        }
      },
    });
  };
}
