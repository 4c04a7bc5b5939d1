"""Event-camera simulator (ESIM / v2e style) and synthetic moving-camera scenes.

* :class:`EventSimulator` turns high-rate intensity frames into DVS events;
* :class:`SceneRenderer` renders a camera moving over a texture at 240 Hz;
* :func:`simulate_sequence` combines both into a finite recording (`stra-sim`).
"""

from stra_live.simulator.config import SceneConfig, SimConfig, SimulatorConfig
from stra_live.simulator.esim import EventSimulator, simulator_seed
from stra_live.simulator.log_intensity import lin_log
from stra_live.simulator.scene import SceneRenderer, frame_timestamp
from stra_live.simulator.sequence import SimulatedSequence, simulate_sequence

__all__ = [
    "EventSimulator",
    "SceneConfig",
    "SceneRenderer",
    "SimConfig",
    "SimulatedSequence",
    "SimulatorConfig",
    "frame_timestamp",
    "lin_log",
    "simulate_sequence",
    "simulator_seed",
]
