// Produces the reference face descriptors that embedding-job's DlibFaceEncoderTest compares against.
//
// It runs face-api's own TF.js implementation (@vladmandic/face-api 1.7.15 on @tensorflow/tfjs 4.22.0,
// pure-JS "cpu" backend): SSD MobileNet v1 finds faces in the package's demo photos and in scikit-image's
// astronaut.png; each face gives two crops (the detection box, and a wider box shifted off-centre); the
// crops are written as PNG (lossless, so Java decodes the very same pixels) and their descriptors come
// from FaceRecognitionNet.computeFaceDescriptor on the re-read PNG, i.e. face-api's own pad-to-square,
// resizeBilinear to 150 x 150, mean subtraction and ResNet-29.
//
// Usage: node face_reference.js TOOL_DIR MODEL_DIR OUT_DIR IMAGE...
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

const MAX_FACES_PER_IMAGE = 1;
const MIN_FACE_SIDE = 60;
const MAX_CROP_SIDE = 160; // keeps the committed PNGs small; crops still need a real resize to 150

function decode(file) {
  const buffer = fs.readFileSync(file);
  const { width, height, data } = file.toLowerCase().endsWith('.png')
    ? PNG.sync.read(buffer)
    : jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true });
  const rgb = new Int32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height * 4; i += 4) {
    rgb[j++] = data[i]; rgb[j++] = data[i + 1]; rgb[j++] = data[i + 2];
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

function crop(image, box) {
  const [height, width] = image.shape;
  const x0 = Math.max(0, Math.round(box.x));
  const y0 = Math.max(0, Math.round(box.y));
  const x1 = Math.min(width, Math.round(box.x + box.width));
  const y1 = Math.min(height, Math.round(box.y + box.height));
  return tf.tidy(() => {
    let out = tf.slice(image, [y0, x0, 0], [y1 - y0, x1 - x0, 3]);
    const longer = Math.max(y1 - y0, x1 - x0);
    if (longer > MAX_CROP_SIDE) {
      const f = MAX_CROP_SIDE / longer;
      const size = [Math.round((y1 - y0) * f), Math.round((x1 - x0) * f)];
      out = tf.image.resizeBilinear(out.toFloat(), size, false, true).round().clipByValue(0, 255).toInt();
    }
    return out;
  });
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const facesDir = path.join(outDir, 'faces');
  fs.mkdirSync(facesDir, { recursive: true });

  const faces = [];
  for (const file of images) {
    const name = path.basename(file).replace(/\.[^.]+$/, '');
    const image = decode(file);
    const detections = (await faceapi.detectAllFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 20 })))
      .filter((d) => d.box.width >= MIN_FACE_SIDE && d.box.height >= MIN_FACE_SIDE)
      .sort((a, b) => b.score - a.score)
      .slice(0, MAX_FACES_PER_IMAGE);
    for (const [i, d] of detections.entries()) {
      const b = d.box;
      const boxes = {
        a: { x: b.x, y: b.y, width: b.width, height: b.height },
        b: { x: b.x - 0.05 * b.width, y: b.y - 0.1 * b.height, width: 1.25 * b.width, height: 1.1 * b.height },
      };
      for (const [variant, box] of Object.entries(boxes)) {
        const cropFile = `${name}_f${i}_${variant}.png`;
        const cropped = crop(image, box);
        writePng(cropped, path.join(facesDir, cropFile));
        cropped.dispose();
        const reread = decode(path.join(facesDir, cropFile));
        const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(reread);
        faces.push({
          file: `faces/${cropFile}`,
          person: `${name}_f${i}`,
          score: Number(d.score.toFixed(4)),
          box: [b.x, b.y, b.width, b.height].map((v) => Math.round(v)),
          size: [reread.shape[1], reread.shape[0]],
          descriptor: Array.from(descriptor, (v) => Number(v.toPrecision(8))),
        });
        reread.dispose();
        console.log(`${cropFile} ${reread.shape[1]}x${reread.shape[0]} score ${d.score.toFixed(3)}`);
      }
    }
    image.dispose();
  }
  const reference = {
    producedBy: 'models/make_reference.sh (models/face_reference.js)',
    faceApi: faceapi.version,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    input: 'crop PNG -> face-api computeFaceDescriptor (pad to square centred, resizeBilinear 150, mean RGB, ResNet-29)',
    faces,
  };
  fs.writeFileSync(path.join(outDir, 'face_reference.json'), `${JSON.stringify(reference)}\n`);
  console.log(`wrote ${faces.length} descriptors to ${path.join(outDir, 'face_reference.json')}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
