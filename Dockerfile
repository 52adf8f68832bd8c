# The platform's image: one image, every service; compose.yaml picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gate ./gate
COPY services ./services
COPY frontend ./frontend
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 gate
USER gate
EXPOSE 8000
CMD ["gate", "serve", "--host", "0.0.0.0", "--port", "8000"]
