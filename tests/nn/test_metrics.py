"""Accuracy, the confusion matrix and the classification report, on examples counted by hand
(and the report's text against scikit-learn's when it is installed)."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_like import Tensor
from nn import accuracy, classification_report, confusion_matrix, to_labels

TRUE = np.array([0, 0, 0, 1, 1, 2])
PREDICTED = np.array([0, 0, 1, 1, 2, 2])


def test_labels_from_rows_columns_and_integers():
    assert to_labels(np.array([[0.1, 0.7, 0.2], [0.9, 0.0, 0.1]])).tolist() == [1, 0]
    assert to_labels(Tensor([[0.2], [0.51], [0.5]])).tolist() == [0, 1, 0]      # probabilities: above 0.5
    assert to_labels(np.array([-0.1, 3.0]), threshold=0.0).tolist() == [0, 1]    # logits and scores: above 0
    assert to_labels(np.array([2, 0, 1])).tolist() == [2, 0, 1]                  # integers are labels already
    with pytest.raises(ValueError, match=r"\(2, 2, 2\)"):
        to_labels(np.zeros((2, 2, 2)))


def test_accuracy_counts_matching_classes():
    outputs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])   # predicts 0, 1, 0, 1
    assert accuracy(outputs, np.array([0, 1, 1, 1])) == 0.75
    assert accuracy(outputs, np.eye(2)[[0, 0, 0, 1]]) == 0.75               # one-hot targets
    assert accuracy(np.array([[2.0], [-1.0]]), np.array([[1.0], [-1.0]]), threshold=0.0) == 1.0
    with pytest.raises(ValueError, match="4 predictions for 3 targets"):
        accuracy(outputs, np.array([0, 1, 1]))


def test_confusion_matrix_rows_are_true_classes():
    assert confusion_matrix(TRUE, PREDICTED).tolist() == [[2, 1, 0],
                                                          [0, 1, 1],
                                                          [0, 0, 1]]
    assert confusion_matrix([1], [1], n_classes=3).tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match=r"integers in \[0, 2\)"):
        confusion_matrix([0, 2], [0, 1], n_classes=2)
    with pytest.raises(ValueError, match="must be integers, got dtype float64"):
        confusion_matrix([0.0, 1.0], [0, 1])
    with pytest.raises(ValueError, match="3 true labels but 2 predicted"):
        confusion_matrix([0, 1, 1], [0, 1])


def test_classification_report_by_hand():
    # class 0: tp 2, predicted 2, support 3 -> precision 1, recall 2/3, f1 2*2/(3+2) = 0.8
    # class 1: tp 1, predicted 2, support 2 -> precision 0.5, recall 0.5, f1 0.5
    # class 2: tp 1, predicted 2, support 1 -> precision 0.5, recall 1, f1 2/3
    report = classification_report(TRUE, PREDICTED, target_names=["zero", "one", "two"], digits=3)
    lines = [line.split() for line in report.splitlines() if line.strip()]
    assert lines[0] == ["precision", "recall", "f1-score", "support"]
    assert lines[1] == ["zero", "1.000", "0.667", "0.800", "3"]
    assert lines[2] == ["one", "0.500", "0.500", "0.500", "2"]
    assert lines[3] == ["two", "0.500", "1.000", "0.667", "1"]
    assert lines[4] == ["accuracy", "0.667", "6"]
    assert lines[5] == ["macro", "avg", f"{2 / 3:.3f}", f"{(2 / 3 + 0.5 + 1) / 3:.3f}",
                        f"{(0.8 + 0.5 + 2 / 3) / 3:.3f}", "6"]
    assert lines[6] == ["weighted", "avg", f"{(3 + 1 + 0.5) / 6:.3f}", f"{(2 + 1 + 1) / 6:.3f}",
                        f"{(2.4 + 1 + 2 / 3) / 6:.3f}", "6"]


def test_a_class_never_predicted_has_precision_zero_not_nan():
    report = classification_report([0, 1, 1], [0, 0, 0])
    assert report.splitlines()[3].split() == ["1", "0.00", "0.00", "0.00", "2"]


def test_classification_report_reads_exactly_like_scikit_learns():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    true = rng.integers(0, 10, size=300)
    predicted = np.where(rng.random(300) < 0.7, true, rng.integers(0, 10, size=300))
    assert classification_report(true, predicted) == sklearn_metrics.classification_report(true, predicted)
    names = [f"digit {d}" for d in range(10)]
    assert classification_report(true, predicted, names, digits=4) == \
        sklearn_metrics.classification_report(true, predicted, target_names=names, digits=4)
