"""Every write on clients, projects, sales orders and notes, one module per concern.

Pages and the API call these and nothing else to change data (rule: services write, selectors read).
"""
