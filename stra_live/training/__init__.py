"""Training of the STRA network: data, loop, checkpoints and DDP (`stra-train`).

Layout: :mod:`config` (TrainConfig), :mod:`data_sources` (simulated cache and
file folders), :mod:`samples` and :mod:`dataset` (what one step sees),
:mod:`trainer` (the loop), :mod:`validation`, :mod:`checkpoints`,
:mod:`distributed` and :mod:`signals`; :mod:`run` wires them for the CLI.
"""
