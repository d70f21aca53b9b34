import type { Checksum } from './download';

/**
 * Where the built-in downloadable datasets come from, with the size and checksum of every file.
 * SHA-256 where one is widely published for the file (MNIST: TensorFlow Datasets' and torchvision's
 * tables; CIFAR-10: TFDS); Fashion-MNIST's authors publish only MD5 sums, so those files are checked
 * with MD5, and so is CIFAR-100's binary archive (the MD5 the CIFAR page lists). Sizes are the files' byte counts as served.
 */

export interface RemoteFile {
  readonly name: string;
  readonly size: number;
  readonly checksum: Checksum;
}

export interface DownloadSource {
  readonly title: string;
  readonly homepage: string;
  /** Base URLs, each followed by a file name; tried in order. */
  readonly mirrors: readonly string[];
  readonly files: readonly RemoteFile[];
  /** 'tar.gz': unpack after verifying and delete the archive; 'none': keep the file as it is (gzipped IDX is read directly). */
  readonly extract: 'none' | 'tar.gz';
}

export type DownloadableName = 'mnist' | 'fashion-mnist' | 'cifar-10' | 'cifar-100';

const sha256 = (hex: string): Checksum => ({ algorithm: 'sha256', hex });
const md5 = (hex: string): Checksum => ({ algorithm: 'md5', hex });

export const DOWNLOAD_SOURCES: Readonly<Record<DownloadableName, DownloadSource>> = {
  mnist: {
    title: 'MNIST handwritten digits',
    homepage: 'http://yann.lecun.com/exdb/mnist/',
    // The original site often refuses direct downloads now; the framework mirrors serve the same bytes.
    mirrors: [
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
      'http://yann.lecun.com/exdb/mnist/',
    ],
    files: [
      {
        name: 'train-images-idx3-ubyte.gz',
        size: 9912422,
        checksum: sha256('440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609'),
      },
      {
        name: 'train-labels-idx1-ubyte.gz',
        size: 28881,
        checksum: sha256('3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c'),
      },
      {
        name: 't10k-images-idx3-ubyte.gz',
        size: 1648877,
        checksum: sha256('8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6'),
      },
      {
        name: 't10k-labels-idx1-ubyte.gz',
        size: 4542,
        checksum: sha256('f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6'),
      },
    ],
    extract: 'none',
  },
  'fashion-mnist': {
    title: 'Fashion-MNIST (Zalando article images)',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    mirrors: [
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
    ],
    files: [
      { name: 'train-images-idx3-ubyte.gz', size: 26421880, checksum: md5('8d4fb7e6c68d591d4c3dfef9ec88bf0d') },
      { name: 'train-labels-idx1-ubyte.gz', size: 29515, checksum: md5('25c81989df183df01b3e8a0aad5dffbe') },
      { name: 't10k-images-idx3-ubyte.gz', size: 4422102, checksum: md5('bef4ecab320f06d8554ea6380940ec79') },
      { name: 't10k-labels-idx1-ubyte.gz', size: 5148, checksum: md5('bb300cfdad3c16e7a12a480ee83cd310') },
    ],
    extract: 'none',
  },
  'cifar-10': {
    title: 'CIFAR-10 (binary version)',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    mirrors: ['https://www.cs.toronto.edu/~kriz/'],
    files: [
      {
        name: 'cifar-10-binary.tar.gz',
        size: 170052171,
        checksum: sha256('c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd'),
      },
    ],
    extract: 'tar.gz',
  },
  'cifar-100': {
    title: 'CIFAR-100 (binary version)',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    mirrors: ['https://www.cs.toronto.edu/~kriz/'],
    // Unpacks to cifar-100-binary/ (train.bin, test.bin, fine_label_names.txt, coarse_label_names.txt).
    files: [{ name: 'cifar-100-binary.tar.gz', size: 168513733, checksum: md5('03b5dce01913d631647c71ecec9e9cb8') }],
    extract: 'tar.gz',
  },
};
