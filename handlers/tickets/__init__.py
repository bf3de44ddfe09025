"""After-sales tickets (``/ticket``, ``/工单``): opened in one message or step by step,
routed to a service group, escalated past their SLA, closed with a resolution and a survey."""
