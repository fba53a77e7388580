/// <reference types="node" />
// Node-only: read the ONNX file, generate the repository and write it to disk (text files + ONNX copies).
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OptionError, readModelDescriptor } from '@sightline/core';
import { generateModelRepository } from './generateModelRepository.js';
import type { ModelRepositoryOptions } from './repositoryOptions.js';

export interface WriteModelRepositoryOptions extends ModelRepositoryOptions {
  /** The ONNX model to deploy: a file path or its bytes. */
  onnx?: string | Uint8Array;
  /** Alias of `onnx` (the CLI's --model). */
  model?: string | Uint8Array;
  /** Output directory (created); models go under `<outDir>/models/`. */
  outDir: string;
  /** Replace files that already exist. Default false (refuses to overwrite a repository). */
  overwrite?: boolean;
}

export interface WrittenModelRepository {
  /** Absolute paths of every file written, ONNX copies included. */
  files: string[];
  models: string[];
  warnings: string[];
}

export async function writeModelRepository(opts: WriteModelRepositoryOptions): Promise<WrittenModelRepository> {
  const src = opts.onnx ?? opts.model;
  if ((typeof src !== 'string' && !(src instanceof Uint8Array)) || typeof opts.outDir !== 'string') {
    throw new OptionError('E_INVALID_OPTION', 'writeModelRepository needs { onnx: path or bytes, outDir: path }');
  }
  const out = resolve(opts.outDir);
  const bytes =
    typeof src === 'string'
      ? await readFile(resolve(src)).catch((e: unknown) => {
          throw new OptionError('E_INVALID_OPTION', `cannot read ONNX file ${src}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        })
      : src;
  const desc = readModelDescriptor(bytes, { maxBytes: 2 ** 31 - 1 });
  const repo = generateModelRepository(desc, opts);
  const flag = opts.overwrite ? 'w' : 'wx';
  const written: string[] = [];
  const place = async (rel: string, write: (abs: string) => Promise<void>) => {
    const abs = join(out, rel);
    await mkdir(dirname(abs), { recursive: true });
    try {
      await write(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OptionError('E_INVALID_OPTION', `${abs} exists; pass overwrite: true to replace it`, { cause: e });
      throw e;
    }
    written.push(abs);
  };
  for (const [rel, text] of Object.entries(repo.files)) {
    await place(rel, (abs) => writeFile(abs, text, { flag }));
    if (rel.endsWith('.sh')) await chmod(join(out, rel), 0o755);
  }
  for (const rel of repo.onnxCopies) {
    await place(rel, async (abs) => {
      // COPYFILE_EXCL / 'wx' keep the no-overwrite promise for the model files too.
      if (typeof src === 'string') await copyFile(resolve(src), abs, opts.overwrite ? 0 : 1);
      else await writeFile(abs, bytes, { flag });
    });
  }
  // TensorRT's version directory must exist before build-engine.sh writes model.plan into it.
  for (const m of repo.models) await mkdir(join(out, 'models', m, '1'), { recursive: true });
  return { files: written, models: repo.models, warnings: repo.warnings };
}
