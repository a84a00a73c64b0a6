{
  "targets": [
    {
      "target_name": "kvm_native",
      "sources": ["kvm_native.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
