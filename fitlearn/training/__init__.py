"""On-device training: simulated histories, the budgeted trainer, the scheduler.

Torch is imported only by the modules that need it (`dataset`, `trainer`,
`predict`), so importing `fitlearn.training.schedule` or `fitlearn.power` stays
light.
"""
