"""MNIST and Fashion-MNIST from the standard IDX files (raw or ``.gz``), found locally or downloaded."""
import os

from .download import download_url
from .idx import check_pair, read_idx_images, read_idx_labels
from .vision import ImageArrayDataset

__all__ = ["MNIST", "FashionMNIST", "DatasetNotFoundError", "default_root"]


class DatasetNotFoundError(FileNotFoundError):
    """The dataset's files are in none of the searched directories (and ``download`` was not asked for).

    Attributes (so that a front end can say it in its own words): ``dataset`` (the class name), ``split``
    (``'training'``/``'test'``), ``files`` (the file names, each raw or ``.gz``), ``searched`` (the directories
    searched, in order), ``download_dir`` (where ``download=True`` puts them), ``install_hint`` (a system
    package that provides them, or ``''``).
    """

    def __init__(self, message, dataset="", split="", files=(), searched=(), download_dir=None, install_hint=""):
        super().__init__(message)
        self.dataset, self.split, self.files, self.searched = dataset, split, tuple(files), tuple(searched)
        self.download_dir, self.install_hint = download_dir, install_hint

    def __str__(self):
        return self.args[0]


def default_root():
    """Where datasets live by default: ``$SCRATCHGRAD_DATA``, else ``~/.cache/scratchgrad``."""
    return os.environ.get("SCRATCHGRAD_DATA") or os.path.join(os.path.expanduser("~"), ".cache", "scratchgrad")


class MNIST(ImageArrayDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey, labels 0-9.

    Args:
        root: a directory holding the files (in ``root/mnist/``, torchvision's ``root/MNIST/raw/``, or
            ``root`` itself), and where ``download`` puts them (``root/mnist/``). None: only the default places.
        train: the training split (``train-*``) or the test split (``t10k-*``).
        download: fetch the split's two files from the public mirrors when they are not found.
        transform: applied to each uint8 ``(28, 28)`` image (default: a float32 Tensor ``(1, 28, 28)`` in
            ``[0, 1]``).
        target_transform: applied to each int label.

    Files are searched in order: ``root``, ``$SCRATCHGRAD_DATA``, ``~/.cache/scratchgrad`` (then, for
    Fashion-MNIST, Debian's ``/usr/share/datasets/fashion-mnist``); each file may be raw or ``.gz``. The
    directory used is ``self.folder``.

    Raises:
        DatasetNotFoundError: the files are nowhere and ``download`` is False (the message says what to put
            where).
        IDXError: a file is truncated or corrupt, or images and labels do not match.
        DownloadError: ``download`` failed on every mirror.
    """

    folder_name = "mnist"
    torchvision_name = "MNIST"
    # The original yann.lecun.com site now refuses automated downloads; these mirrors serve the same files.
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "https://storage.googleapis.com/cvdf-datasets/mnist/"]
    # Published MD5s of the .gz files, as listed in torchvision's datasets/mnist.py (MNIST.resources).
    md5 = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    system_dirs: tuple[str, ...] = ()
    install_hint = ""
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, download=False, transform=None, target_transform=None):
        self.root = None if root is None else os.path.expanduser(os.fspath(root))
        self.train = bool(train)
        prefix = "train" if self.train else "t10k"
        self.files = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        folder = self._find()
        if folder is None and download:
            folder = self.download()
        if folder is None:
            split = "training" if self.train else "test"
            raise DatasetNotFoundError(self._not_found_message(), dataset=type(self).__name__, split=split,
                                       files=self.files, searched=self.candidate_dirs(self.root),
                                       download_dir=self.download_dir(), install_hint=self.install_hint)
        self.folder = folder
        images_path, labels_path = (self._resolve(folder, f) for f in self.files)
        images = read_idx_images(images_path)
        labels = read_idx_labels(labels_path)
        check_pair(images, labels, images_path, labels_path)
        super().__init__(images, labels, transform, target_transform)

    @classmethod
    def candidate_dirs(cls, root=None):
        """The directories searched for the files, in order."""
        out = []
        if root is not None:
            out += [os.path.join(root, cls.folder_name), os.path.join(root, cls.torchvision_name, "raw"), root]
        env = os.environ.get("SCRATCHGRAD_DATA")
        cache = os.path.join(os.path.expanduser("~"), ".cache", "scratchgrad")
        for base in (env, cache):
            if base:
                out += [os.path.join(base, cls.folder_name), os.path.join(base, cls.torchvision_name, "raw")]
        out += list(cls.system_dirs)
        return list(dict.fromkeys(out))  # without repeats, in order

    @staticmethod
    def _resolve(folder, name):
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _find(self):
        for folder in self.candidate_dirs(self.root):
            if all(self._resolve(folder, f) is not None for f in self.files):
                return folder
        return None

    def download_dir(self):
        """Where :meth:`download` writes: ``root/<name>`` if ``root`` was given, else under :func:`default_root`."""
        return os.path.join(self.root if self.root is not None else default_root(), self.folder_name)

    def download(self):
        """Download this split's missing files (as ``.gz``, MD5-checked, atomically); return the directory."""
        folder = self.download_dir()
        for name in self.files:
            if self._resolve(folder, name) is None:
                gz = name + ".gz"
                download_url([m + gz for m in self.mirrors], os.path.join(folder, gz), md5=self.md5[gz])
        return folder

    def _not_found_message(self):
        split = "training" if self.train else "test"
        files = " and ".join(f"{f}(.gz)" for f in self.files)
        searched = "".join(f"\n  {d}" for d in self.candidate_dirs(self.root))
        hint = f" or {self.install_hint}," if self.install_hint else ""
        return (f"{type(self).__name__} {split} files not found. Put {files} into {self.download_dir()} "
                f"(or set $SCRATCHGRAD_DATA, or pass root=), pass download=True to fetch them,{hint} or use "
                f"autograd.data.SyntheticDigits for generated digits. Searched:{searched}")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: same format and sizes as :class:`MNIST`, ten classes of clothing.

    Also found where Debian's package ``dataset-fashion-mnist`` installs it (``/usr/share/datasets/fashion-mnist``).
    """

    folder_name = "fashion-mnist"
    torchvision_name = "FashionMNIST"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    # Published MD5s of the .gz files, as listed in torchvision's datasets/mnist.py (FashionMNIST.resources)
    # and Zalando's fashion-mnist repository. Debian's repacked copies differ (gzip header) and are not checked.
    md5 = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    install_hint = "install Debian's package (apt-get install dataset-fashion-mnist)"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
