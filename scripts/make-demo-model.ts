/**
 * Writes the tiny demo GGUF model and its sidecar manifest (default `data/models/gridllm-demo-tiny.gguf`
 * + `gridllm-demo-tiny.json` naming it `gridllm-demo:tiny`).
 *
 *   node -r ts-node/register scripts/make-demo-model.ts [outPath]
 */
import { DEMO_MODEL_PATH, writeDemoModel } from './gguf/demo-model';

const out = process.argv[2] ?? DEMO_MODEL_PATH;
const written = writeDemoModel(out);
console.log(
  `wrote ${written.path} (${written.bytes} bytes) and ${written.manifestPath} naming it ${written.modelName}`,
);
