// Produces the reference landmarks that embedding-job's FaceLandmarksTest compares against.
//
// It runs face-api's own FaceLandmark68Net and FaceLandmark68TinyNet (@vladmandic/face-api 1.7.15 on
// @tensorflow/tfjs 4.22.0, pure-JS "cpu" backend) on every face of detector_reference.json in the demo photos (photos/*.png, written by
// detector_reference.js), doing what face-api's DetectAllFaceLandmarksTask does for a tensor input:
// extractFaceTensors (box clipped at the image borders and floored, then sliced), detectLandmarks (centred
// pad to square, resizeBilinear to 112, the net, padding removed, scaled to the crop), then shifted by the
// box's top-left corner (FaceLandmarks.shiftBy, as extendWithFaceLandmarks does). The boxes are taken from
// detector_reference.json as stored (3 decimals), so the Java test can feed the very same boxes.
//
// Usage: node landmarks_reference.js TOOL_DIR MODEL_DIR OUT_DIR
//   reads OUT_DIR/detector_reference.json and OUT_DIR/photos/*.png, writes OUT_DIR/landmarks_reference.json
//   TOOL_DIR has node_modules with @vladmandic/face-api, @tensorflow/tfjs and pngjs
//   (models/make_reference.sh installs them into the cache).

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const [toolDir, modelDir, outDir] = process.argv.slice(2);
const toolRequire = createRequire(path.join(path.resolve(toolDir), 'package.json'));
const tf = toolRequire('@tensorflow/tfjs');
const faceapi = toolRequire('@vladmandic/face-api/dist/face-api.node-wasm.js');
const { PNG } = toolRequire('pngjs');

function readPng(file) {
  const { width, height, data } = PNG.sync.read(fs.readFileSync(file));
  const rgb = new Int32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height * 4; i += 4) {
    rgb[j++] = data[i]; rgb[j++] = data[i + 1]; rgb[j++] = data[i + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68TinyNet.loadFromDisk(modelDir);
  const nets = { full: faceapi.nets.faceLandmark68Net, tiny: faceapi.nets.faceLandmark68TinyNet };

  const detections = JSON.parse(fs.readFileSync(path.join(outDir, 'detector_reference.json'), 'utf8'));
  const results = [];
  for (const entry of detections.images) {
    const file = path.join(outDir, 'photos', entry.image);
    if (!fs.existsSync(file) || entry.faces.length === 0) continue;
    const image = readPng(file);
    const boxes = entry.faces.map(({ box: [x, y, width, height] }) => new faceapi.Rect(x, y, width, height));
    const crops = await faceapi.extractFaceTensors(image, boxes);
    const faces = [];
    for (let i = 0; i < crops.length; i++) {
      const face = { box: entry.faces[i].box, crop: [crops[i].shape[1], crops[i].shape[0]] };
      const times = [];
      for (const [variant, net] of Object.entries(nets)) {
        const started = process.hrtime.bigint();
        const unshifted = await net.detectLandmarks(crops[i]);
        times.push(`${variant} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
        const landmarks = unshifted.shiftBy(boxes[i].x, boxes[i].y);
        face[variant] = landmarks.positions.map((p) => [Number(p.x.toFixed(4)), Number(p.y.toFixed(4))]);
      }
      faces.push(face);
      console.log(`${entry.image} face ${i}: crop ${crops[i].shape[1]}x${crops[i].shape[0]} (${times.join(', ')})`);
      crops[i].dispose();
    }
    image.dispose();
    results.push({ image: entry.image, width: entry.width, height: entry.height, faces });
  }

  const reference = {
    producedBy: 'models/make_reference.sh (models/landmarks_reference.js)',
    faceApi: faceapi.version,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    box: '[x, y, width, height] from detector_reference.json, the landmark net input',
    crop: '[width, height] of the face crop after clipping and flooring the box',
    full: 'faceLandmark68Net: 68 [x, y] in image pixels (face-api landmarks.positions; 36-41 one eye, 42-47 the other)',
    tiny: 'faceLandmark68TinyNet: the same',
    images: results,
  };
  const outFile = path.join(outDir, 'landmarks_reference.json');
  fs.writeFileSync(outFile, `${JSON.stringify(reference)}\n`);
  console.log(`wrote ${outFile}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
