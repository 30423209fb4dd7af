"""How well a classifier does: accuracy, the confusion matrix, and a per-class precision/recall/F1 report.

Functions take class labels, or network outputs and targets that `to_labels` turns into class labels.
No scikit-learn needed; `classification_report` prints the same table as scikit-learn's (seed 001's).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from micrograd_like import Tensor


def to_labels(values: Any, threshold: float = 0.5) -> np.ndarray:
    """Class labels from outputs or targets: the index of the largest entry of each row when there
    are several columns; integers as they are; otherwise 1 where the value is above `threshold`
    (0.5 for probabilities; 0 for logits, scores and -1/+1 targets)."""
    values = np.asarray(values.data if isinstance(values, Tensor) else values)
    if values.ndim == 2 and values.shape[1] > 1:
        return values.argmax(axis=1)
    if values.ndim > 2 or (values.ndim == 2 and values.shape[1] != 1):
        raise ValueError(f"to_labels: expected a vector, one column, or one row per sample; got shape {values.shape}")
    values = values.reshape(-1)
    if values.dtype.kind in "iub":
        return values.astype(np.int64)
    return (values > threshold).astype(np.int64)


def accuracy(outputs: Any, targets: Any, threshold: float = 0.5) -> float:
    """The fraction of samples whose predicted class (`to_labels` of `outputs`) is the target's class."""
    predicted, true = to_labels(outputs, threshold), to_labels(targets, threshold)
    if predicted.shape != true.shape:
        raise ValueError(f"accuracy: {predicted.shape[0]} predictions for {true.shape[0]} targets")
    return float(np.mean(predicted == true))


def confusion_matrix(true_labels: Sequence[int], predicted_labels: Sequence[int],
                     n_classes: int | None = None) -> np.ndarray:
    """counts[i, j] = how many samples of class i were predicted as class j (rows: truth, as scikit-learn)."""
    true, predicted = _label_arrays(true_labels, predicted_labels)
    n = n_classes if n_classes is not None else int(max(true.max(initial=-1), predicted.max(initial=-1))) + 1
    if true.size and (min(true.min(), predicted.min()) < 0 or max(true.max(), predicted.max()) >= n):
        raise ValueError(f"confusion_matrix: labels must be integers in [0, {n})")
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (true, predicted), 1)
    return counts


def classification_report(true_labels: Sequence[int], predicted_labels: Sequence[int],
                          target_names: Sequence[str] | None = None, digits: int = 2) -> str:
    """Per class: precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2 tp / (2 tp + fp + fn),
    support = tp + fn; then accuracy and the plain and support-weighted means. A ratio with nothing
    to divide by counts as 0. Laid out as scikit-learn's report, for the classes that occur."""
    true, predicted = _label_arrays(true_labels, predicted_labels)
    classes = np.union1d(true, predicted)
    names = [str(c) for c in classes] if target_names is None else list(target_names)
    if len(names) != len(classes):
        raise ValueError(f"classification_report: {len(classes)} classes occur but {len(names)} names were given")
    tp = np.array([np.sum((true == c) & (predicted == c)) for c in classes])
    support = np.array([np.sum(true == c) for c in classes])
    predicted_count = np.array([np.sum(predicted == c) for c in classes])
    precision, recall = _ratio(tp, predicted_count), _ratio(tp, support)
    f1 = _ratio(2 * tp, support + predicted_count)

    width = max(max(len(n) for n in names), len("weighted avg"), digits)
    row = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    report = ("{:>{width}s} " + " {:>9}" * 4).format("", "precision", "recall", "f1-score", "support",
                                                       width=width) + "\n\n"
    for name, p, r, f, s in zip(names, precision, recall, f1, support):
        report += row.format(name, p, r, f, s, width=width, digits=digits)
    total = int(support.sum())
    report += "\n" + ("{:>{width}s} " + " {:>9}" * 2 + " {:>9.{digits}f} {:>9}\n").format(
        "accuracy", "", "", float(np.mean(true == predicted)), total, width=width, digits=digits)
    for name, weights in (("macro avg", np.ones(len(classes))), ("weighted avg", support)):
        means = [float(np.average(m, weights=weights)) if weights.sum() else 0.0 for m in (precision, recall, f1)]
        report += row.format(name, *means, total, width=width, digits=digits)
    return report


def _label_arrays(true_labels: Any, predicted_labels: Any) -> tuple[np.ndarray, np.ndarray]:
    true, predicted = np.asarray(true_labels).reshape(-1), np.asarray(predicted_labels).reshape(-1)
    if true.shape != predicted.shape:
        raise ValueError(f"{true.size} true labels but {predicted.size} predicted labels")
    for name, a in (("true", true), ("predicted", predicted)):
        if a.dtype.kind not in "iub":
            raise ValueError(f"the {name} labels must be integers, got dtype {a.dtype} (use nn.metrics.to_labels)")
    return true.astype(np.int64), predicted.astype(np.int64)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)
