"""Contracts and payments: ``/contract``, approvals by level, payment plans, renewals."""
