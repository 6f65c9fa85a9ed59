"""The demo street office that `manage.py seed_demo` builds (see seed.py)."""

import uuid

STREET_OFFICE = {"slug": "donghu", "name": "东湖街道", "phone": "027-86781234"}

COMMUNITIES = [
    # slug, name, address, phone, number of duty workers
    ("heping", "和平社区", "东湖街道和平路12号和平社区党群服务中心", "027-86781101", 6),
    ("xingfuli", "幸福里社区", "东湖街道幸福里3号楼一层", "027-86781102", 5),
    ("guangming", "光明社区", "东湖街道光明大道88号", "027-86781103", 8),
    ("cuiyuan", "翠苑社区", "东湖街道翠苑小区东门旁", "027-86781104", 4),
    ("xinhua", "新华社区", "东湖街道新华路205号", "027-86781105", 7),
]

# Request keys and device tokens derive from it, so a second run finds what the first made.
DEMO_NAMESPACE = uuid.UUID("5e1f6b1e-2026-4c0d-9a5e-000000000001")
