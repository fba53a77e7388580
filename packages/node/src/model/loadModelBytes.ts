/** Model bytes from a path or a buffer, with a typed error for unreadable files. */
import { readFile } from 'node:fs/promises';
import { ModelFormatError, OptionError } from '@sightline/core';

export type NodeModelSource = string | Uint8Array | ArrayBuffer;

export async function loadModelBytes(model: NodeModelSource): Promise<Uint8Array> {
  if (typeof model === 'string') {
    try {
      return await readFile(model);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ModelFormatError('E_NOT_ONNX', `cannot read model ${model}${code ? ` (${code})` : ''}`, { cause: e, details: { path: model } });
    }
  }
  if (model instanceof Uint8Array) return model;
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  throw new OptionError('E_INVALID_OPTION', 'model must be a file path, Uint8Array or ArrayBuffer');
}
