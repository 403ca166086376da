from tests.fitlearn.training.conftest import gru

__all__ = ["gru"]
