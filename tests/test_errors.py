"""Input errors keep their type and message across process boundaries."""

from __future__ import annotations

import pickle

from stra_live.errors import CheckpointError, InputError


def test_input_error_survives_pickling() -> None:
    for error in (InputError("a.h5", "events/ts goes backwards"),
                  CheckpointError("w.safetensors", "channels 32, 16 expected")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert (copy.source, copy.problem) == (error.source, error.problem)
