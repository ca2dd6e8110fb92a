"""The HTTP resources, one router each; a host application may mount any of them."""
