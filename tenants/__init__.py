"""The tenancy layer: organizations, memberships and the three guards that keep them apart.

Generic on purpose: nothing here imports ``crm``. The application plugs in its own user and
role tables by name.
"""
