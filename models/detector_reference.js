// Produces the reference detections that embedding-job's FaceDetectorTest compares against.
//
// It runs face-api's own TinyFaceDetector (@vladmandic/face-api 1.7.15 on @tensorflow/tfjs 4.22.0, pure-JS
// "cpu" backend; faceapi.detectAllFaces with TinyFaceDetectorOptions, i.e. pad to square at the bottom/right,
// resizeBilinear to the input size, mean RGB, the net, sigmoid/exp with the anchors, score threshold, NMS)
// on the package's demo photos, on scikit-image's astronaut.png and on a generated image without a face (a
// formula both sides compute exactly; see noFace below and FaceDetectorTest).
//
// jpeg-js and Java's ImageIO decode JPEGs a grey level apart here and there, enough to move scores by up to
// 0.01. So each JPEG is decoded once here (jpeg-js), scaled to PHOTO_WIDTH wide (resizeBilinear, rounded;
// which also keeps the committed files small) and written as PNG; detection runs on the re-read PNG, and
// the Java test reads the very same PNG.
//
// Usage: node detector_reference.js TOOL_DIR MODEL_DIR OUT_DIR IMAGE...
//   writes OUT_DIR/detector_reference.json and OUT_DIR/photos/*.png
//   TOOL_DIR has node_modules with @vladmandic/face-api, @tensorflow/tfjs, pngjs and jpeg-js
//   (models/make_reference.sh installs them into the cache).

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const [toolDir, modelDir, outDir, ...images] = process.argv.slice(2);
const toolRequire = createRequire(path.join(path.resolve(toolDir), 'package.json'));
const tf = toolRequire('@tensorflow/tfjs');
const faceapi = toolRequire('@vladmandic/face-api/dist/face-api.node-wasm.js');
const { PNG } = toolRequire('pngjs');
const jpeg = toolRequire('jpeg-js');

const INPUT_SIZE = 416;
const SCORE_THRESHOLD = 0.5;
const NO_FACE = { name: 'no_face', width: 640, height: 480 };
const PHOTO_WIDTH = 480;

function decode(file) {
  const buffer = fs.readFileSync(file);
  const { width, height, data } = file.toLowerCase().endsWith('.png')
    ? PNG.sync.read(buffer)
    : jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
  const rgb = new Int32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height * 4; i += 4) {
    rgb[j++] = data[i]; rgb[j++] = data[i + 1]; rgb[j++] = data[i + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

// A sky-to-ground gradient with a horizon and soft stripes: smooth, photo-like, no face. Integer
// arithmetic only, so FaceDetectorTest.noFaceImage() draws the very same pixels.
function noFace({ width, height }) {
  const rgb = new Int32Array(width * height * 3);
  for (let y = 0, j = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sky = y < (height * 2) / 5 + ((x * 7) % 23);
      rgb[j++] = sky ? 90 + Math.floor((y * 100) / height) : 60 + ((x * 3 + y) % 40);
      rgb[j++] = sky ? 140 + Math.floor((y * 80) / height) : 110 + ((x + y * 5) % 50);
      rgb[j++] = sky ? 230 - Math.floor((x * 30) / width) : 50 + ((x * y) % 30);
    }
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

function writePng(tensor, file) {
  const [height, width] = tensor.shape;
  const rgb = tensor.dataSync();
  const png = new PNG({ width, height, colorType: 2 });
  for (let p = 0; p < width * height; p++) {
    png.data[4 * p] = rgb[3 * p];
    png.data[4 * p + 1] = rgb[3 * p + 1];
    png.data[4 * p + 2] = rgb[3 * p + 2];
    png.data[4 * p + 3] = 255;
  }
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 2 }));
}

async function detect(name, image) {
  const [height, width] = image.shape;
  const started = process.hrtime.bigint();
  const detections = await faceapi.detectAllFaces(image, new faceapi.TinyFaceDetectorOptions({ inputSize: INPUT_SIZE, scoreThreshold: SCORE_THRESHOLD }));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const faces = detections.map((d) => ({
    score: Number(d.score.toFixed(6)),
    box: [d.box.x, d.box.y, d.box.width, d.box.height].map((v) => Number(v.toFixed(3))),
  }));
  console.log(`${name} ${width}x${height}: ${faces.length} faces, scores ${faces.map((f) => f.score.toFixed(3)).join(' ')} (${ms.toFixed(0)} ms)`);
  return { image: name, width, height, faces };
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);

  const photosDir = path.join(outDir, 'photos');
  fs.mkdirSync(photosDir, { recursive: true });
  const results = [];
  for (let file of images) {
    let name = path.basename(file);
    if (name.toLowerCase().endsWith('.jpg')) {
      name = name.replace(/\.jpg$/i, '.png');
      const decoded = decode(file);
      const [height, width] = decoded.shape;
      const size = [Math.round((height * PHOTO_WIDTH) / width), PHOTO_WIDTH];
      const scaled = tf.tidy(() => tf.image.resizeBilinear(decoded.toFloat(), size).round().clipByValue(0, 255).toInt());
      writePng(scaled, path.join(photosDir, name));
      decoded.dispose();
      scaled.dispose();
      file = path.join(photosDir, name);
    }
    const image = decode(file);
    results.push(await detect(name, image));
    image.dispose();
  }
  const generated = noFace(NO_FACE);
  results.push(await detect(NO_FACE.name, generated));
  generated.dispose();

  const reference = {
    producedBy: 'models/make_reference.sh (models/detector_reference.js)',
    faceApi: faceapi.version,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    photos: 'demo JPEGs decoded with jpeg-js 0.4.4, resized to 480 wide, stored as photos/*.png; astronaut.png as is',
    inputSize: INPUT_SIZE,
    scoreThreshold: SCORE_THRESHOLD,
    box: '[x, y, width, height] in original image pixels',
    images: results,
  };
  const outFile = path.join(outDir, 'detector_reference.json');
  fs.writeFileSync(outFile, `${JSON.stringify(reference, null, 1)}\n`);
  console.log(`wrote ${outFile}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
