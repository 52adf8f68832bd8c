"""Capacity planning ("what if"): a discrete-event simulation of one gate direction's day
(SimPy), fed the measured arrival pattern and service times, and scenarios that change them."""
