// Runs an ONNX model on float32 input and writes the float32 output:
//   node run.js MODEL.onnx INPUT.bin DIMS_JSON OUTPUT.bin
// Prints the output's dimensions as JSON.
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputPath, dimsJson, outputPath] = process.argv.slice(2);
  const bytes = fs.readFileSync(inputPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const session = await ort.InferenceSession.create(model);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, JSON.parse(dimsJson)) };
  const results = await session.run(feeds);
  const output = results[session.outputNames[0]];
  fs.writeFileSync(outputPath, Buffer.from(output.data.buffer, output.data.byteOffset, output.data.byteLength));
  console.log(JSON.stringify(output.dims));
}

main().catch(e => { console.error(e.message); process.exit(1); });
