"""Data files shipped with nn (see MNIST_NOTICE.txt)."""
